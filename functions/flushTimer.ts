import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getAppServices } from '../shared/app/appServices.js';
import { describeError } from '../shared/app/describeError.js';
import { toWorkUnitKey } from '../shared/core/staging/stagingKeys.js';

/**
 * Timer trigger: finds every closed window that still holds staged measurements (older ones left behind included)
 * and fans the (window, shard) work units out to the flush queue — or, with `FLUSH__MODE=inline`, flushes them here,
 * each on its own: a unit that fails stays staged for the next run without holding back the units after it, and the
 * invocation then fails naming how many did.
 * @param _timer - timer info
 * @param context - invocation context
 */
export async function flushTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = await getAppServices();
  const units = await services.planFlush();
  if (services.config.flush.mode === 'queue') {
    const sent = await services.enqueueFlush(units);
    context.log(`flushTimer enqueued ${sent} work unit(s)`);
    return;
  }
  let failed = 0;
  for (const unit of units) {
    try {
      const summary = await services.flushUnit(unit);
      context.log(`flushTimer flushed ${JSON.stringify(summary)}`);
    } catch (error) {
      failed += 1;
      context.error(`flushTimer: work unit ${toWorkUnitKey(unit)} failed (${describeError(error)}); it stays staged`);
    }
  }
  if (failed > 0) {
    throw new Error(`flushTimer: ${failed} of ${units.length} work unit(s) failed and stay staged for the next run`);
  }
}

app.timer('flushTimer', { schedule: '%FLUSH_SCHEDULE%', runOnStartup: false, handler: flushTimer });
