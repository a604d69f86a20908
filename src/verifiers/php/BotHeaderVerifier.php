<?php
// Verify LinkGateway's X-Bot-* headers at a PHP origin (no extensions beyond PHP's own hash and json, PHP 7.4+).
//
// Copy this file next to your application. Create the verifier once with the gateway's LinkGateway:Signing:Key
// (base64 of at least 32 bytes; anything else, hex above all, throws KeyRefused), then check each request against
// its RAW request target, $_SERVER['REQUEST_URI'] (never a decoded path):
//
//   require __DIR__ . '/BotHeaderVerifier.php';
//   $verifier = new LinkGateway\BotHeaderVerifier(getenv('LINKGATEWAY_SIGNING_KEY'));
//   $verdict = $verifier->verify(getallheaders(), $_SERVER['REQUEST_METHOD'], $_SERVER['REQUEST_URI']);
//   if ($verdict['verified'] && $verdict['verdict'] === 'bot') { ... }
//
// `$headers` maps header names to values; names match in any case. The rules, and the vectors every verifier is
// checked against: docs/reference/header-contract.md#verifiers, src/verifiers/test-vectors.json.

declare(strict_types=1);

namespace LinkGateway;

final class KeyRefused extends \InvalidArgumentException
{
}

final class BotHeaderVerifier
{
    public const MAX_AGE_SECONDS = 300;
    public const MAX_AHEAD_SECONDS = 60;
    public const MINIMUM_KEY_BYTES = 32;

    private string $key;

    public function __construct(?string $keyText)
    {
        $this->key = self::parseKey($keyText);
    }

    /** The key's bytes: base64 (padded, standard alphabet, surrounding whitespace ignored) of at least 32 bytes. */
    public static function parseKey(?string $text): string
    {
        $trimmed = trim((string) $text);
        if ($trimmed === '') {
            throw new KeyRefused('missing');
        }
        if (preg_match('/\A[0-9A-Fa-f]+\z/', $trimmed) === 1) {
            throw new KeyRefused('hex digits, not base64: give the same bytes as base64');
        }
        // base64_decode() skips whitespace even in strict mode, so the text is checked first.
        if (strlen($trimmed) % 4 !== 0 || preg_match('#\A[A-Za-z0-9+/]*={0,2}\z#', $trimmed) !== 1) {
            throw new KeyRefused('not base64');
        }
        $key = base64_decode($trimmed, true);
        if ($key === false) {
            throw new KeyRefused('not base64');
        }
        if (strlen($key) < self::MINIMUM_KEY_BYTES) {
            throw new KeyRefused(sprintf('too short: %d bytes, needs at least %d', strlen($key), self::MINIMUM_KEY_BYTES));
        }
        return $key;
    }

    /**
     * @param array<string, string> $headers
     * @return array{verified: bool, score?: int, verdict?: string, reasons?: list<string>, degraded?: bool, failure?: string}
     */
    public function verify(array $headers, string $method, string $rawTarget, ?int $now = null): array
    {
        $lower = array_change_key_case($headers, CASE_LOWER);
        $signature = $lower['x-bot-signature'] ?? null;
        $score = $lower['x-bot-score'] ?? null;
        $verdict = $lower['x-bot-verdict'] ?? null;
        $timestamp = $lower['x-bot-timestamp'] ?? null;
        $required = [$signature, $score, $verdict, $timestamp];
        if (count(array_filter($required, 'is_null')) === 4) {
            return ['verified' => false, 'failure' => 'unsigned'];
        }
        if (in_array(null, $required, true)) {
            return ['verified' => false, 'failure' => 'incomplete'];
        }
        // Only the spelling the gateway writes ("094" or "+94" would parse as 94).
        if (preg_match('/\A(0|[1-9][0-9]{0,2})\z/', $score) !== 1 || preg_match('/\A(0|[1-9][0-9]{0,11})\z/', $timestamp) !== 1) {
            return ['verified' => false, 'failure' => 'malformed'];
        }
        $age = ($now ?? time()) - (int) $timestamp;
        if ($age > self::MAX_AGE_SECONDS) {
            return ['verified' => false, 'failure' => 'expired'];
        }
        if ($age < -self::MAX_AHEAD_SECONDS) {
            return ['verified' => false, 'failure' => 'future'];
        }
        $reasons = $lower['x-bot-reasons'] ?? '';
        $degraded = $lower['x-bot-degraded'] ?? '';
        $canonical = implode("\n", ['v1', $score, $verdict, $reasons, $degraded, strtoupper($method), $rawTarget, $timestamp]);
        $expected = 'v1=' . base64_encode(hash_hmac('sha256', $canonical, $this->key, true));
        if (!hash_equals($expected, $signature)) {
            return ['verified' => false, 'failure' => 'mismatch'];
        }
        return [
            'verified' => true,
            'score' => (int) $score,
            'verdict' => $verdict,
            'reasons' => $reasons === '' ? [] : explode(',', $reasons),
            'degraded' => $degraded !== '',
        ];
    }
}
