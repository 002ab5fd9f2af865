import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CycleConfig, CycleConfigPatch } from '../domain/cycle-config.js';
import type { AiVerdictMessage, CycleStatus } from './workflow-types.js';

/** Stop starting new ticks after the current one finishes. */
export const pauseSignal = defineSignal<[reason?: string]>('pause');
/** Start ticking again. */
export const resumeSignal = defineSignal('resume');
/** Change settings of a running cycle; rejected (nothing changes) when the result would be invalid. */
export const updateConfigUpdate = defineUpdate<CycleConfig, [CycleConfigPatch]>('updateConfig');
/** Where the cycle is: phase, tick number, last tick summary, config. */
export const statusQuery = defineQuery<CycleStatus>('status');
/** Sent by an aiAnalysis child when its verdict (or why there is none) is ready; the cycle applies it while fresh. */
export const aiVerdictSignal = defineSignal<[AiVerdictMessage]>('aiVerdict');

/**
 * A person's word that a reconciliation finding or an order of unknown fate has been handled (sent by the API and the
 * CLI after the audit row is written). The cycle stops holding the finding's coin in doubt for it.
 */
export interface FindingAcknowledgement {
  /** Finding kind: a reconciliation kind (unknown_order, balance_short, ...) or order_fate_unknown. */
  kind: string;
  /** What the finding is about: exchange order id, trade id, asset, or (order_fate_unknown) keel's client order id. */
  ref: string;
  symbol: string;
  /** Who acknowledged it (API token name or CLI user) and their note; for the cycle's log. */
  by: string;
  note: string;
}
export const acknowledgeFindingSignal = defineSignal<[FindingAcknowledgement]>('acknowledgeFinding');
