import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getAppServices } from '../shared/app/appServices.js';

/**
 * Timer trigger: finds every closed window that still holds staged measurements (older ones left behind included)
 * and fans the (window, shard) work units out to the flush queue — or, with `FLUSH__MODE=inline`, flushes them here.
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
  for (const unit of units) {
    const summary = await services.flushUnit(unit);
    context.log(`flushTimer flushed ${JSON.stringify(summary)}`);
  }
}

app.timer('flushTimer', { schedule: '%FLUSH_SCHEDULE%', runOnStartup: false, handler: flushTimer });
