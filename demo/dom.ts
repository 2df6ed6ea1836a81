/** DOM helpers shared by the demo's panels. */

/** A `<button type="button">` with a class, a text label (never HTML) and a click handler. */
export function button(className: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Sets an element's text, rewriting its one text node in place: assigning textContent replaces the
 * node (a style recalc and a layout object for the new one at the next frame), even for the same text.
 */
export function setText(el: HTMLElement, text: string): void {
  const node = el.firstChild;
  if (node instanceof Text && node === el.lastChild) {
    if (node.data !== text) node.data = text;
  } else el.textContent = text;
}
