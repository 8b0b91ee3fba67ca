/** A tiny typed event emitter; a throwing listener never breaks the others or the SDK. */
export type Listener<T> = (payload: T) => void;

export function createEmitter<Events extends object>(onListenerError: (err: unknown) => void = (err) => console.error(err)) {
  const listeners = new Map<keyof Events, Set<Listener<never>>>();
  return {
    on<K extends keyof Events>(type: K, fn: Listener<Events[K]>): () => void {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(fn as Listener<never>);
      return () => set.delete(fn as Listener<never>);
    },
    emit<K extends keyof Events>(type: K, payload: Events[K]): void {
      for (const fn of [...(listeners.get(type) ?? [])]) {
        try {
          (fn as Listener<Events[K]>)(payload);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
