// Retention deletes: many short statements instead of one that holds its locks and
// bloats WAL for as long as a large backlog takes.

/**
 * Runs `deleteBatch` (one statement deleting at most `batch` rows, each its own
 * transaction) until it deletes fewer than that; returns how many it deleted in all.
 */
export async function deleteInBatches(batch: number, deleteBatch: () => Promise<{ count: number }>): Promise<number> {
  let total = 0
  for (;;) {
    const { count } = await deleteBatch()
    total += count
    if (count < batch) return total
  }
}
