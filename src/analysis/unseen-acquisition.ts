// On a hunk fragment the lock may have been taken above the first line the
// hunks show. A release after a call, with no acquisition of that lock
// before the call in the image, says the call ran with the lock held: rules
// asking "is this free/walk inside lock X" use it so that a fragment is not
// read as "X is never held".
import type { CCall } from '../c/index.ts';
import type { ImageFunction } from './function-context.ts';

export interface LockCalls {
  acquire: (c: CCall) => boolean;
  release: (c: CCall) => boolean;
}

/** Is `call` inside a lock acquired outside what the fragment shows? Always false on whole functions. */
export function heldFromUnseenCode(image: ImageFunction, call: CCall, lock: LockCalls): boolean {
  if (image.confidence === 'whole-function') return false;
  const calls = image.analysis.calls;
  const acquiredBefore = calls.some((c) => c.line < call.line && lock.acquire(c));
  return !acquiredBefore && calls.some((c) => c.line > call.line && lock.release(c));
}

const onInitMm = (c: CCall): boolean => /^&\s*init_mm$/.test(c.args[0] ?? '');

/** mmap_read_lock/write_lock(&init_mm) and their trylocks and guards. */
export const INIT_MM_MMAP_LOCK: LockCalls = {
  acquire: (c) => (/^mmap_(read|write)_(lock|trylock)(_killable)?$/.test(c.callee) && onInitMm(c)) || (c.guardClass !== undefined && /^mmap_/.test(c.guardClass)),
  release: (c) => /^mmap_(read|write)_unlock$/.test(c.callee) && onInitMm(c),
};

/** The mmap write lock of any mm. */
export const MMAP_WRITE_LOCK: LockCalls = {
  acquire: (c) => /^mmap_write_(lock|trylock)(_killable)?$/.test(c.callee) || c.guardClass === 'mmap_write_lock',
  release: (c) => c.callee === 'mmap_write_unlock',
};

/** The walker side of R15: mmap_write_lock(&init_mm) or get_online_mems(). */
export const KERNEL_WALKER_LOCKS: LockCalls = {
  acquire: (c) => (/^mmap_write_(lock|trylock)(_killable)?$/.test(c.callee) && onInitMm(c)) || c.callee === 'get_online_mems' || c.guardClass === 'mmap_write_lock',
  release: (c) => (c.callee === 'mmap_write_unlock' && onInitMm(c)) || c.callee === 'put_online_mems',
};
