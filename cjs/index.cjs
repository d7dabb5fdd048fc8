'use strict';
// require('lstm-wasm'): the package is ES modules; Node ≥ 20.19 (and ≥ 22.12) can
// require() them without a flag, as the graph has no top-level await. Older Node
// gets a message that says what to do instead of ERR_REQUIRE_ESM.
try {
  module.exports = require('../dist/src/index.js');
} catch (e) {
  if (e && e.code === 'ERR_REQUIRE_ESM') {
    throw new Error(`lstm-wasm is an ES module package: require('lstm-wasm') needs Node >= 20.19 `
      + `(this is ${process.version}); use \`const { init } = await import('lstm-wasm')\` or upgrade Node`);
  }
  throw e;
}
