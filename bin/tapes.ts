#!/usr/bin/env node
// The entry point of the compiled modules (the tests' CLI; the installed
// `tapes` is the bundle's launcher, bin/launch.ts).
import { main } from './main.js';

main();
