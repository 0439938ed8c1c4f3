'use strict';
// `require('opossum')` returns the class itself, so code written for opossum does
// `const CircuitBreaker = require(...)` and `new CircuitBreaker(...)`. This entry does
// the same: the module's value is the class, carrying every named export (and
// `default`) as a property, so `require(...).breakerPolicy` and destructuring still work.
const api = require('../dist/index.cjs');
module.exports = Object.assign(api.CircuitBreaker, api);
