// Demo geography: 云南 stations, province → city → county → township → community.
// Codes are the real administrative division codes; townships are illustrative.

export type PlaceSeed = {
  code: string
  level: 'province' | 'city' | 'county' | 'township' | 'community'
  name: string
  nameEn: string
  children?: PlaceSeed[]
}

export const yunnan: PlaceSeed = {
  code: '530000',
  level: 'province',
  name: '云南省希望工程工作站',
  nameEn: 'Yunnan Hope Project Station',
  children: [
    {
      code: '530600',
      level: 'city',
      name: '昭通市',
      nameEn: 'Zhaotong',
      children: [
        {
          code: '530627',
          level: 'county',
          name: '镇雄县',
          nameEn: 'Zhenxiong County',
          children: [
            {
              code: '530627101',
              level: 'township',
              name: '以勒镇',
              nameEn: 'Yile Town',
              children: [{ code: '530627101201', level: 'community', name: '以勒社区', nameEn: 'Yile Community' }],
            },
            { code: '530627102', level: 'township', name: '母享镇', nameEn: 'Muxiang Town' },
          ],
        },
      ],
    },
    {
      code: '530300',
      level: 'city',
      name: '曲靖市',
      nameEn: 'Qujing',
      children: [
        {
          code: '530326',
          level: 'county',
          name: '会泽县',
          nameEn: 'Huize County',
          children: [{ code: '530326101', level: 'township', name: '娜姑镇', nameEn: 'Nagu Town' }],
        },
      ],
    },
    {
      code: '533300',
      level: 'city',
      name: '怒江州',
      nameEn: 'Nujiang Prefecture',
      children: [
        {
          code: '533325',
          level: 'county',
          name: '兰坪县',
          nameEn: 'Lanping County',
          children: [{ code: '533325101', level: 'township', name: '通甸镇', nameEn: 'Tongdian Town' }],
        },
        { code: '533323', level: 'county', name: '福贡县', nameEn: 'Fugong County' },
        { code: '533301', level: 'county', name: '泸水县', nameEn: 'Lushui County' },
      ],
    },
    {
      code: '530700',
      level: 'city',
      name: '丽江市',
      nameEn: 'Lijiang',
      children: [{ code: '530724', level: 'county', name: '宁蒗县', nameEn: 'Ninglang County' }],
    },
    {
      code: '532600',
      level: 'city',
      name: '文山州',
      nameEn: 'Wenshan Prefecture',
      children: [{ code: '532627', level: 'county', name: '广南县', nameEn: 'Guangnan County' }],
    },
  ],
}
