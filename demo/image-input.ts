/**
 * Every way an image reaches the demo: the file picker, drag and drop onto the stage, paste
 * anywhere on the page, and the shipped sample scenes.
 */

/** Called with the image's bytes and a name to show. */
export type ImageHandler = (image: Blob, name: string) => void;

/** Wires the file picker, drop target and paste handler to `onImage`. */
export function watchImageInputs(fileInput: HTMLInputElement, dropTarget: HTMLElement, onImage: ImageHandler): void {
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) onImage(file, file.name);
    fileInput.value = ''; // choosing the same file again must fire 'change' again
  });
  dropTarget.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropTarget.classList.add('dragging');
  });
  dropTarget.addEventListener('dragleave', () => dropTarget.classList.remove('dragging'));
  dropTarget.addEventListener('drop', (e) => {
    e.preventDefault();
    dropTarget.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) onImage(file, file.name);
  });
  document.addEventListener('paste', (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file' && i.type.startsWith('image/'));
    const file = item?.getAsFile();
    if (file) onImage(file, 'pasted image');
  });
}
