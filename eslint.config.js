// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', {
        paths: [{ name: 'koffi', message: 'Only src/kernel/sys/ffi.ts loads koffi; import its wrappers instead.' }],
      }],
    },
  },
  {
    files: ['src/kernel/sys/ffi.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The one place that reads time is src/kernel/clock.ts (DESIGN.md example 10).
    files: ['src/**/*.ts'],
    ignores: ['src/kernel/clock.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Use the Clock port or threadNowMs() from src/kernel/clock.ts.' },
        { object: 'performance', property: 'now', message: 'Use the Clock port or threadNowMs() from src/kernel/clock.ts.' }],
    },
  },
  {
    // The daemon wires; it does not touch Linux: files, cgroupfs and /proc are read in
    // src/kernel/. Layer arrows as a whole are checked by test/architecture/layers.test.ts.
    files: ['src/daemon/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'koffi', message: 'Only src/kernel/sys/ffi.ts loads koffi; import its wrappers instead.' },
          { name: 'node:fs', message: 'src/daemon touches no Linux: read files through a reader in src/kernel/.' },
          { name: 'node:fs/promises', message: 'src/daemon touches no Linux: read files through a reader in src/kernel/.' },
          { name: 'fs', message: 'src/daemon touches no Linux: read files through a reader in src/kernel/.' },
          { name: 'fs/promises', message: 'src/daemon touches no Linux: read files through a reader in src/kernel/.' },
        ],
        patterns: [{ group: ['**/cli/**'], message: 'Dependency arrows point inward: the daemon sits below the CLI.' }],
      }],
    },
  },
  {
    // The pure layers: no node modules, no clock. Time arrives through the Clock port.
    files: ['src/model/**/*.ts', 'src/policy/**/*.ts', 'src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*'], message: 'model/policy/engine are pure: no node modules (see docs/architecture.md).' },
        { group: ['**/kernel/**', '**/daemon/**', '**/sim/**', '**/cli/**', '**/control/**'], message: 'Dependency arrows point inward: model <- policy <- engine <- (kernel, sim) <- daemon <- cli.' },
      ] }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Use the Clock port.' },
        { object: 'performance', property: 'now', message: 'Use the Clock port.' }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
