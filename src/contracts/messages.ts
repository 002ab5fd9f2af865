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
