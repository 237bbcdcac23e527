// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const appPackages = ['@ridetrack/broker', '@ridetrack/driver-sim', '@ridetrack/rider-web'];
const crossPackagePaths = ['**/broker/**', '**/driver-sim/**', '**/rider-web/**', '**/infra/**', '**/shared/src/**'];

/**
 * Apps import `@ridetrack/shared` by name, never another app, never another workspace by path.
 * Their tests and benches may also import `@ridetrack/testkit` (by name); their code may not.
 */
function appImports(self, tests = false) {
  const paths = [
    ...appPackages
      .filter((p) => p !== self)
      .map((name) => ({ name, message: 'apps talk over MQTT and HTTP, never by import' })),
    ...(tests ? [] : [{ name: '@ridetrack/testkit', message: 'the test kit is for tests and benches only' }]),
  ];
  return {
    'no-restricted-imports': [
      'error',
      {
        paths,
        patterns: [
          { group: ['@ridetrack/*/*'], message: 'import a package by its name only' },
          {
            group: crossPackagePaths.flatMap((p) => [
              `../../${p.replace('**/', '')}`,
              `../../../${p.replace('**/', '')}`,
            ]),
            message: 'import @ridetrack/shared or @ridetrack/testkit by name',
          },
        ],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.tmp/**', '.ridetrack/**', 'test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Reading process.* belongs to each app's main.ts alone (and to tests and scripts).
      'no-restricted-globals': ['error', { name: 'process', message: 'only main.ts reads the environment' }],
    },
  },
  {
    // Tool configs at the top level are plain modules outside any workspace's tsconfig.
    files: ['*.js', '*.ts', '**/bin/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-restricted-globals': 'off' },
  },
  {
    files: ['shared/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'shared runs in the browser too: no Node APIs' },
            { group: ['@ridetrack/*'], message: 'shared depends on nothing in the repo' },
            { group: ['../../*', '../../**'], message: 'shared depends on nothing in the repo' },
          ],
          paths: ['fs', 'path', 'os', 'net', 'http', 'events', 'buffer', 'crypto', 'stream', 'url', 'util'].map(
            (name) => ({
              name,
              message: 'shared runs in the browser too: no Node APIs',
            }),
          ),
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'window', 'document', 'navigator', 'localStorage', 'require', '__dirname'].map(
          (name) => ({
            name,
            message: 'shared is pure: no Node or DOM globals',
          }),
        ),
      ],
    },
  },
  { files: ['broker/**/*.ts'], rules: appImports('@ridetrack/broker') },
  // Tests and benches may use the test kit (a throwaway redis-server, the global setup's context).
  {
    files: ['broker/**/*.test.ts', 'broker/test/**/*.ts', 'broker/bench/**/*.ts'],
    rules: appImports('@ridetrack/broker', true),
  },
  { files: ['driver-sim/**/*.ts'], rules: appImports('@ridetrack/driver-sim') },
  {
    files: ['driver-sim/**/*.test.ts', 'driver-sim/test/**/*.ts', 'driver-sim/bench/**/*.ts'],
    rules: appImports('@ridetrack/driver-sim', true),
  },
  { files: ['rider-web/**/*.ts'], rules: appImports('@ridetrack/rider-web') },
  {
    files: ['rider-web/**/*.test.ts', 'rider-web/test/**/*.ts', 'rider-web/bench/**/*.ts'],
    rules: appImports('@ridetrack/rider-web', true),
  },
  {
    // The test kit starts the apps as processes; it never imports one.
    files: ['infra/testkit/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: appPackages.map((name) => ({
            name,
            message: 'the test kit starts apps as processes, never imports them',
          })),
          patterns: [{ group: ['@ridetrack/*/*'], message: 'import a package by its name only' }],
        },
      ],
    },
  },
  {
    // The pages run in the browser: they read the page's location, not process.env.
    files: ['rider-web/src/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/main.ts', '**/*.test.ts', '**/bench/**/*.ts', '**/test/**/*.ts', 'infra/testkit/**/*.ts'],
    rules: { 'no-restricted-globals': 'off' },
  },
  prettier,
);
