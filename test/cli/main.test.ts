import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/main.ts';

test('unknown command is bad usage (exit 2)', async () => {
  const code = await runCli(['no-such-command']);
  assert.equal(code, 2);
});
