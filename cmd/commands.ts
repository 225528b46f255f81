// Every command module, in the order `tapes help` lists them. Each module is
// light: its handler imports the code that does the work only when it runs.
import * as init from './init.js';
import * as hashObject from './hash-object.js';
import * as catObject from './cat-object.js';
import * as revParse from './rev-parse.js';
import * as updateRef from './update-ref.js';
import * as showRef from './show-ref.js';
import * as forEachRef from './for-each-ref.js';
import * as revList from './rev-list.js';
import * as fsck from './fsck.js';
import * as gc from './gc.js';
import * as importCmd from './import.js';
import * as proxy from './proxy.js';
import * as run from './run.js';
import * as exportCmd from './export.js';
import * as sessions from './sessions.js';
import * as stats from './stats.js';
import * as log from './log.js';
import * as show from './show.js';
import * as replay from './replay.js';
import * as diff from './diff.js';
import * as checkout from './checkout.js';
import * as status from './status.js';
import * as tag from './tag.js';
import * as search from './search.js';
import * as indexCmd from './index.js';
import * as remote from './remote.js';
import * as push from './push.js';
import * as fetch from './fetch.js';
import * as pull from './pull.js';
import * as clone from './clone.js';
import * as help from './help.js';

export const commands = [init, hashObject, catObject, revParse, updateRef, showRef, forEachRef, revList, fsck, gc, importCmd, proxy, run, exportCmd, sessions, stats, log, show, replay, search, indexCmd, diff, status, checkout, tag, remote, push, fetch, pull, clone, help];
