import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Cross-origin isolation enables SharedArrayBuffer, hence multi-threaded WASM in ORT.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // 'mpa': a missing model file must be a 404, not index.html served with 200.
  appType: 'mpa',
  server: { headers: isolation, port: 5173, strictPort: false },
  preview: { headers: isolation },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    outDir: 'demo-dist',
    target: 'es2022',
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, 'demo/index.html'),
      },
    },
  },
});
