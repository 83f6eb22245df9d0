// PDF rendering with pdf.js, loaded only when a PDF is first shown (it is large).
// WebKitGTK has no built-in PDF viewer, so the app draws pages itself, on canvases.
// The bytes come from the app's document protocol (decrypted in memory by the core).

import type { PDFDocumentProxy } from 'pdfjs-dist';

type PdfJs = typeof import('pdfjs-dist');
let loading: Promise<PdfJs> | null = null;

function pdfjs(): Promise<PdfJs> {
  loading ??= (async () => {
    const lib = await import('pdfjs-dist');
    const worker = await import('pdfjs-dist/build/pdf.worker.min.mjs?url');
    lib.GlobalWorkerOptions.workerSrc = worker.default;
    return lib;
  })();
  return loading;
}

/** Opens the PDF at `url`. Scripts in PDFs never run: eval is off, and pdf.js has no JS engine. */
export async function openPdf(url: string): Promise<PDFDocumentProxy> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return openPdfData(new Uint8Array(await response.arrayBuffer()));
}

/** Opens a PDF from its bytes (a file being prepared, read by the shell). */
export async function openPdfData(data: Uint8Array): Promise<PDFDocumentProxy> {
  const lib = await pdfjs();
  return lib.getDocument({ data, isEvalSupported: false, enableXfa: false }).promise;
}

/** Draws page `number` into `canvas`, `cssWidth` pixels wide (sharp on HiDPI screens). */
export async function renderPage(
  doc: PDFDocumentProxy,
  number: number,
  canvas: HTMLCanvasElement,
  cssWidth: number,
): Promise<void> {
  const page = await doc.getPage(number);
  const base = page.getViewport({ scale: 1 });
  const scale = cssWidth / base.width;
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: scale * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
  canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  await page.render({ canvasContext: context, viewport }).promise;
}
