/** Remembers the last `capacity` ids: drops repeats of a redelivered event. */
export function createRecentIds(capacity: number) {
  const ids = new Set<string>();
  return {
    /** true the first time an id is seen. */
    firstSighting(id: string): boolean {
      if (ids.has(id)) return false;
      ids.add(id);
      if (ids.size > capacity) ids.delete(ids.values().next().value as string);
      return true;
    },
  };
}
