// Entry point of a SQLite I/O thread. featureflow runs its TypeScript through tsx (no build
// step) and worker threads do not inherit the parent's module hooks, so register tsx here.
require('tsx/cjs');
require('./io-thread-main.ts');
