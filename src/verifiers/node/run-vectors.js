'use strict';
// Runs linkgateway-verifier.js over a vector file: prints "name TAB outcome" per vector (valid, invalid, key-refused).
const fs = require('fs');
const { BotHeaderVerifier, KeyRefusedError } = require('./linkgateway-verifier');

function outcome(vector) {
  let verifier;
  try {
    verifier = new BotHeaderVerifier(vector.key);
  } catch (error) {
    if (error instanceof KeyRefusedError) return 'key-refused';
    throw error;
  }
  const headers = {};
  for (const [name, value] of Object.entries(vector.headers)) headers[name.toLowerCase()] = value;
  return verifier.verify(headers, vector.method, vector.target, vector.now).verified ? 'valid' : 'invalid';
}

const lines = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).vectors.map((vector) => `${vector.name}\t${outcome(vector)}\n`);
process.stdout.write(lines.join(''));
