// A smoke test of the whole worker path (bundle, sandbox, activity, result).
import { proxyActivities } from '@temporalio/workflow'
import type { Activities } from '../activities'
import { QUICK } from './policies'

const { describeWorker } = proxyActivities<Activities>(QUICK)

export async function ping(name: string): Promise<string> {
  const worker = await describeWorker()
  return `pong ${name} from ${worker}`
}
