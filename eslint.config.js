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

/** Node's built-in modules, by their bare names: pure modules use none, with or without `node:`. */
const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'net',
  'http',
  'https',
  'events',
  'buffer',
  'crypto',
  'stream',
  'url',
  'util',
];

/**
 * The broker's pure modules: data in, data out, no I/O library and no Node API (STYLE.md, "Pure
 * core, thin shell"). The decisions of the ingress gate (not gate.ts, gate-outbound.ts and
 * broker-stream.ts, the stream plumbing, nor mqtt-string.ts, which reads UTF-8 with Node's native isUtf8), the
 * geo-index's search and membership logic, trips' rules and views, health and admission.
 */
const brokerPureModules = [
  'broker/src/ingress/*.ts',
  'broker/src/geo/{box-cells,cell-counts,member,nearest-first,regions,ring-search,types}.ts',
  'broker/src/trips/{coarse-cars,lifecycle,profiles,rider-view,trip,trip-book}.ts',
  'broker/src/fleet/region-batch.ts',
  'broker/src/history/{trace-window,types}.ts',
  'broker/src/map/tile-math.ts',
  'broker/src/routing/router.ts',
  'broker/src/{admission,ban-list,health,time-slice}.ts',
];
const brokerPureExceptions = [
  'broker/src/ingress/gate.ts',
  'broker/src/ingress/gate-outbound.ts',
  'broker/src/ingress/broker-stream.ts',
  'broker/src/ingress/mqtt-string.ts',
  '**/*.test.ts',
];

/** What pure modules may not import: Aedes, Redis, Node's APIs, and the broker's I/O folders. */
const pureRestrictions = {
  paths: ['aedes', 'ioredis', 'mqemitter', ...nodeBuiltins].map((name) => ({
    name,
    message: 'a pure module: no Aedes, Redis or Node API (I/O lives in mqtt/, store/, transports/)',
  })),
  patterns: [
    {
      regex: '^(node:|aedes[-/]|ioredis/)',
      message: 'a pure module: no Aedes, Redis or Node API (I/O lives in mqtt/, store/, transports/)',
    },
    {
      group: ['**/mqtt/*', '**/mqtt/**', '**/store/*', '**/transports/*', '**/ingress/gate'],
      message: 'a pure module imports no I/O module',
    },
  ],
};

/** The app rules of a workspace and more restrictions together (a later block replaces a rule whole). */
function withRestrictions(self, more) {
  const [level, app] = appImports(self)['no-restricted-imports'];
  return {
    'no-restricted-imports': [
      level,
      { paths: [...app.paths, ...more.paths], patterns: [...app.patterns, ...more.patterns] },
    ],
  };
}

/** Aedes and its parts are known in broker/src/mqtt/ alone. */
const aedesOnlyInMqtt = {
  paths: ['aedes', 'mqemitter', 'mqtt-packet'].map((name) => ({
    name,
    message: 'only broker/src/mqtt/ knows Aedes: pass what you need through an interface',
  })),
  patterns: [
    {
      regex: '^aedes[-/]',
      message: 'only broker/src/mqtt/ knows Aedes: pass what you need through an interface',
    },
  ],
};

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
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'shared runs in the browser too: no Node APIs' })),
            ...['aedes', 'ioredis', 'mqemitter'].map((name) => ({
              name,
              message: 'shared is pure: no broker library',
            })),
          ],
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
  { files: ['broker/**/*.ts'], rules: withRestrictions('@ridetrack/broker', aedesOnlyInMqtt) },
  { files: ['broker/src/mqtt/**/*.ts', 'broker/src/types/*.d.ts'], rules: appImports('@ridetrack/broker') },
  {
    files: brokerPureModules,
    ignores: brokerPureExceptions,
    rules: withRestrictions('@ridetrack/broker', pureRestrictions),
  },
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
