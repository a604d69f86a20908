<?php
// Runs BotHeaderVerifier.php over a vector file: prints "name TAB outcome" per vector (valid, invalid, key-refused).

declare(strict_types=1);

require __DIR__ . '/BotHeaderVerifier.php';

use LinkGateway\BotHeaderVerifier;
use LinkGateway\KeyRefused;

$vectors = json_decode(file_get_contents($argv[1]), true, 512, JSON_THROW_ON_ERROR)['vectors'];
foreach ($vectors as $vector) {
    try {
        $verifier = new BotHeaderVerifier($vector['key']);
        $verdict = $verifier->verify($vector['headers'], $vector['method'], $vector['target'], $vector['now']);
        $outcome = $verdict['verified'] ? 'valid' : 'invalid';
    } catch (KeyRefused $refused) {
        $outcome = 'key-refused';
    }
    echo $vector['name'], "\t", $outcome, "\n";
}
