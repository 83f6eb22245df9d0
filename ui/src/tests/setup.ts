// jsdom has no layout engine, so it has no ResizeObserver either. Svelte's
// `bind:clientHeight` needs the constructor; with no layout there is never a
// resize to report, so this one observes nothing (the list keeps its default height).
class NoLayoutResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}

globalThis.ResizeObserver ??= NoLayoutResizeObserver;
