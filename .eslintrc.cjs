// ESLint 8's own config file: a dotfile it finds by itself, so `npx eslint .` needs no flag
// (ESLint 9+ only looks for eslint.config.* at the top level, which the owner's layout keeps free).
/** @type {import('eslint').Linter.Config} */
module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: {
    project: './tsconfig.json',
    tsconfigRootDir: __dirname,
    ecmaVersion: 'latest',
    sourceType: 'module',
  },
  plugins: ['@typescript-eslint'],
  extends: ['eslint:recommended', 'plugin:@typescript-eslint/recommended'],
  env: { node: true, browser: true, es2023: true },
  reportUnusedDisableDirectives: true,
  ignorePatterns: [
    'node_modules/',
    'build/',
    'public/build/',
    'data/',
    'test-results/',
    'tests/bench/data/',
    '.cache/',
  ],
  rules: {
    '@typescript-eslint/no-unused-vars': [
      'error',
      { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
    ],
    '@typescript-eslint/no-floating-promises': 'error',
    '@typescript-eslint/no-explicit-any': 'off',
    '@typescript-eslint/consistent-type-imports': [
      'error',
      { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
    ],
    // Prettier writes a leading semicolon before a line that starts with ( or [.
    'no-extra-semi': 'off',
    'no-empty': ['error', { allowEmptyCatch: true }],
  },
  overrides: [
    // ESLint 8 lints only *.js unless an override names other files.
    { files: ['**/*.ts', '**/*.tsx'] },
    // The business modules take typed boundaries: no `any`.
    {
      files: ['app/modules/**/*.ts', 'app/modules/**/*.tsx'],
      rules: { '@typescript-eslint/no-explicit-any': 'error' },
    },
    // A donation's status moves only through moveDonation, which checks the transition table.
    {
      files: ['app/**/*.ts', 'app/**/*.tsx'],
      excludedFiles: ['app/modules/donations/lifecycle.server.ts'],
      rules: {
        'no-restricted-syntax': [
          'error',
          {
            selector:
              "CallExpression[callee.property.name='set'][callee.object.callee.property.name='updateTable'][callee.object.arguments.0.value='donations'] Property[key.name='status']",
            message:
              "Move a donation with moveDonation (app/modules/donations/lifecycle.server.ts), not by setting 'status'.",
          },
        ],
      },
    },
    // Thin routes: parse, call a module, render. Queries live in app/modules/<domain>. (This
    // override replaces no-restricted-syntax for routes, so it repeats nothing it needs: a
    // route can no longer reach updateTable, let alone set a donation's status.)
    {
      files: ['app/routes/**/*.ts', 'app/routes/**/*.tsx'],
      rules: {
        'no-restricted-imports': [
          'error',
          { paths: [{ name: 'kysely', message: 'Queries belong in a module function of (db, input).' }] },
        ],
        'no-restricted-syntax': [
          'error',
          {
            selector:
              'CallExpression > MemberExpression.callee[property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|selectNoFrom|transaction|executeQuery)$/]',
            message: 'No SQL in routes: move the query into a module function of (db, input).',
          },
        ],
      },
    },
    {
      files: ['*.cjs', '*.js'],
      parserOptions: { project: null },
      rules: {
        '@typescript-eslint/no-var-requires': 'off',
        '@typescript-eslint/no-require-imports': 'off',
        '@typescript-eslint/no-floating-promises': 'off',
      },
    },
  ],
}
