// `tapes rerun`: a checkpoint's next model turn asked again (docs/rerun.md).
export { RERUN_HARNESS, readOriginal, type Original, type OriginalTurn, type RerunSource } from './original.js';
export { REBUILT_MAX_TOKENS, providerOf, type BaseRequest } from './request.js';
export { DEFAULT_OUTPUT_ESTIMATE, checkModel, planRerun, tokensBySize, type Change, type Estimate, type PreparedRequest, type RerunOptions, type RerunPlan } from './plan.js';
export { DEFAULT_MAX_TURNS, KEY_ENV, apiKey, branchNames, sendRerun, type BranchResult, type Divergence, type SendOptions, type Stop, type StopReason, type TurnReport } from './send.js';
