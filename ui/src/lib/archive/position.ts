// Places a list row with a CSS transform set through the CSSOM: the CSP forbids
// inline style attributes (style-src 'self'), but not styles set from script.

export function offsetY(node: HTMLElement, y: number): { update(y: number): void } {
  node.style.transform = `translateY(${y}px)`;
  return {
    update(next: number) {
      node.style.transform = `translateY(${next}px)`;
    },
  };
}

export function height(node: HTMLElement, px: number): { update(px: number): void } {
  node.style.height = `${px}px`;
  return {
    update(next: number) {
      node.style.height = `${next}px`;
    },
  };
}
