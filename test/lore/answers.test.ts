// Telling a good answer from a bot wall, a cut transfer or a wrong type;
// reading Atom entries and Message-IDs from raw headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { checkAnswer, looksLikeHtml } from '../../src/sources/lore-http/answer-check.ts';
import { escapeMessageId, messageIdFromHref, parseAtomEntries } from '../../src/sources/lore-http/atom.ts';
import { rawMessageId } from '../../src/sources/raw-headers.ts';

const mbox = Buffer.from('From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: x\n\nbody\n');

test('a gzipped mbox passes; truncated or HTML does not', async () => {
  const gz = gzipSync(mbox);
  assert.deepEqual(await checkAnswer('mbox-gz', 'application/gzip', gz), { ok: true, body: mbox });
  assert.deepEqual(await checkAnswer('mbox-gz', 'application/gzip', gz.subarray(0, gz.length - 9)), { ok: false, reason: 'truncated gzip (unexpected end of data)' });
  assert.deepEqual(await checkAnswer('mbox-gz', 'text/html', Buffer.from('<!DOCTYPE html><html></html>')), { ok: false, reason: 'HTML bot-wall page instead of a gzipped mbox' });
  assert.deepEqual(await checkAnswer('mbox-gz', 'application/gzip', gzipSync('<p>hi</p>')), { ok: false, reason: 'gunzipped answer is not an mbox (no From line first)' });
});

test('Atom must be a whole feed; an HTML page sent as 200 is a bot wall', async () => {
  const feed = Buffer.from('<?xml version="1.0" encoding="us-ascii"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>');
  assert.equal((await checkAnswer('atom', 'application/atom+xml', feed)).ok, true);
  assert.deepEqual(await checkAnswer('atom', 'application/atom+xml', feed.subarray(0, 60)), { ok: false, reason: 'truncated Atom feed (no closing </feed>)' });
  assert.deepEqual(await checkAnswer('atom', 'text/html; charset=UTF-8', Buffer.from('<html><body>Checking your browser</body></html>')),
    { ok: false, reason: 'HTML bot-wall page instead of Atom' });
  assert.ok(looksLikeHtml(Buffer.from('\n  <!doctype HTML>')));
  assert.deepEqual(await checkAnswer('raw', 'text/plain', Buffer.from('<p>hello</p>')), { ok: false, reason: 'answer is not a raw message (no header line first)' });
});

test('Atom entries give the Message-ID from their own link, not from links in the body', () => {
  const feed = '<feed><entry><author><name>A</name></author><title>[PATCH] mm: x &amp; y</title><updated>2025-09-25T23:07:40Z</updated>' +
    '<link href="http://127.0.0.1:1/linux-mm/a%2Fb@example.org/"/><content type="xhtml"><a href="https://lore.kernel.org/all/other@x/">x</a></content></entry></feed>';
  assert.deepEqual(parseAtomEntries(feed), [{ messageId: 'a/b@example.org', title: '[PATCH] mm: x & y', updated: '2025-09-25T23:07:40Z' }]);
  assert.equal(messageIdFromHref('https://lore.kernel.org/linux-mm/20250530082021.18182-1-dev.jain@arm.com/'), '20250530082021.18182-1-dev.jain@arm.com');
  assert.equal(escapeMessageId('a/b+c@d'), 'a%2Fb%2Bc@d');
});

test('Message-ID from raw headers: any case, folded, bracketed', () => {
  assert.equal(rawMessageId(Buffer.from('Subject: s\nMessage-Id:\n <x.y@z>\n\nMessage-ID: <body@no>\n')), 'x.y@z');
  assert.equal(rawMessageId(Buffer.from('Subject: s\r\n\r\nMessage-ID: <body@no>\r\n')), undefined);
});
