'use strict';
// Verify LinkGateway's X-Bot-* headers at a Node.js origin (built-in modules only, Node 12+).
//
// Copy this file next to your application. Create the verifier once with the gateway's LinkGateway:Signing:Key
// (base64 of at least 32 bytes; anything else, hex above all, throws KeyRefusedError), then check each request
// against its RAW request target (req.url of node:http and Express's req.originalUrl are the raw target):
//
//   const { BotHeaderVerifier } = require('./linkgateway-verifier');
//   const verifier = new BotHeaderVerifier(process.env.LINKGATEWAY_SIGNING_KEY);
//   const verdict = verifier.verify(req.headers, req.method, req.url);
//   if (verdict.verified && verdict.verdict === 'bot') { ... }
//
// `headers` is node's req.headers (names in lower case). The rules, and the vectors every verifier is checked
// against: docs/reference/header-contract.md#verifiers, src/verifiers/test-vectors.json.

const crypto = require('crypto');

const MAX_AGE_SECONDS = 300;
const MAX_AHEAD_SECONDS = 60;
const MINIMUM_KEY_BYTES = 32;

class KeyRefusedError extends Error {}

// Buffer.from(text, 'base64') accepts anything (base64url, stray characters), so the text is checked first.
function parseKey(text) {
  const trimmed = (text || '').trim();
  if (trimmed === '') throw new KeyRefusedError('missing');
  if (/^[0-9A-Fa-f]+$/.test(trimmed)) throw new KeyRefusedError('hex digits, not base64: give the same bytes as base64');
  if (trimmed.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed)) throw new KeyRefusedError('not base64');
  const key = Buffer.from(trimmed, 'base64');
  if (key.length < MINIMUM_KEY_BYTES) {
    throw new KeyRefusedError(`too short: ${key.length} bytes, needs at least ${MINIMUM_KEY_BYTES}`);
  }
  return key;
}

// One value per name: node joins repeated headers with ", ", which the gateway never sends.
function single(headers, name) {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

class BotHeaderVerifier {
  constructor(keyText) {
    this.key = parseKey(keyText);
  }

  verify(headers, method, rawTarget, now = Math.floor(Date.now() / 1000)) {
    const signature = single(headers, 'x-bot-signature');
    const score = single(headers, 'x-bot-score');
    const verdict = single(headers, 'x-bot-verdict');
    const timestamp = single(headers, 'x-bot-timestamp');
    const required = [signature, score, verdict, timestamp];
    if (required.every((value) => value === undefined)) return { verified: false, failure: 'unsigned' };
    if (required.some((value) => value === undefined)) return { verified: false, failure: 'incomplete' };
    // Only the spelling the gateway writes ("094" or "+94" would parse as 94).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(score) || !/^(0|[1-9][0-9]{0,11})$/.test(timestamp)) {
      return { verified: false, failure: 'malformed' };
    }
    const age = now - Number(timestamp);
    if (age > MAX_AGE_SECONDS) return { verified: false, failure: 'expired' };
    if (age < -MAX_AHEAD_SECONDS) return { verified: false, failure: 'future' };
    const reasons = single(headers, 'x-bot-reasons') || '';
    const degraded = single(headers, 'x-bot-degraded') || '';
    const canonical = ['v1', score, verdict, reasons, degraded, method.toUpperCase(), rawTarget, timestamp].join('\n');
    const mac = crypto.createHmac('sha256', this.key).update(canonical, 'utf8').digest('base64');
    const expected = Buffer.from('v1=' + mac, 'utf8');
    const given = Buffer.from(signature, 'utf8');
    // timingSafeEqual needs equal lengths; the length of a signature is no secret.
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
      return { verified: false, failure: 'mismatch' };
    }
    return {
      verified: true,
      score: Number(score),
      verdict,
      reasons: reasons === '' ? [] : reasons.split(','),
      degraded: degraded !== '',
    };
  }
}

module.exports = { BotHeaderVerifier, KeyRefusedError, parseKey, MAX_AGE_SECONDS, MAX_AHEAD_SECONDS };
