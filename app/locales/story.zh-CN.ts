// A student's staff-written public story (app/modules/beneficiaries/story.server.ts).
export const storyZhCN = {
  'story.manage': '公开故事',
  'story.title': '{code} 的公开故事',
  'story.intro':
    '写几句可以公开的话（爱好、梦想、想对资助人说的话），会显示在“希望之星 1+1”结对页和学生公开页上，且只在监护人同意公开故事期间显示。不要写姓名、学校、住址、电话或证件号，系统会拒绝。',
  'story.label': '故事（{min}–{max} 字，留空则删除）',
  'story.save': '保存',
  'story.saved': '已保存。',
  'story.removed': '已删除。',
  'story.notShown': '监护人目前不同意公开故事：故事不会在公开页面显示。',
  'story.error.length': '故事需 {min}–{max} 字',
  'story.error.name': '故事不能包含学生或监护人的姓名',
  'story.error.id': '故事不能包含身份证号或类似的号码',
  'story.error.school': '故事不能写出学校名称',
  'story.error.contact': '故事不能包含电话、邮箱、网址、微信/QQ 号或住址',
  'story.heading': '他/她的故事',
  'audit.do.student.story_saved': '保存学生公开故事',
  'audit.do.student.story_removed': '删除学生公开故事',
} as const
