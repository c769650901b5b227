// Every benchmark, one after the other, with their figures and targets.
// Run with `npm run bench` (it builds first; figures are wall-clock).

import { eagerTransferBench, printEagerBench } from './eager.js';
import { accessBench, adaptorBench, lazyPauseBench, printLazyBench } from './lazy.js';
import { printPtableBench, ptableBench } from './ptable.js';
import { perRecordBench, printShadowBench, shadowMemoryBench, shadowPauseBench } from './shadow.js';
import { indirectionCost } from '../compare/indirection.js';
import { printStubBench, stubBench } from './stubs.js';
import { printTwinPauseBench, twinPauseBench } from './twin.js';
import { afterUpdateBench, pauseBench, printAfterUpdateBench, printPauseBench } from './update.js';

console.log(`livemod benchmarks on node ${process.version}\n`);
printStubBench(await stubBench());
console.log('');
printPtableBench(ptableBench());
console.log('');
printPauseBench(await pauseBench());
console.log('');
printAfterUpdateBench(await afterUpdateBench());
console.log('');
printLazyBench(await lazyPauseBench(), await accessBench(), adaptorBench());
console.log('');
printEagerBench(await eagerTransferBench());
console.log('');
printShadowBench(await shadowPauseBench(), await perRecordBench(), await shadowMemoryBench());
console.log('');
const ind = indirectionCost();
console.log(`indirection per call, median of rounds: stub ${ind.procedural.viaNs.toFixed(1)} ns against a direct call ${ind.procedural.directNs.toFixed(1)} ns; object table ${ind.oo.viaNs.toFixed(1)} ns against a direct method call ${ind.oo.directNs.toFixed(1)} ns`);
console.log('');
printTwinPauseBench(twinPauseBench());
