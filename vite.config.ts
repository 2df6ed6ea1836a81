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
  // Relative asset URLs: the static build works from any host and sub-path.
  base: './',
  // The demo imports the package by its name, as a user would; in this repo that is the source.
  resolve: { alias: { 'mask-llava-web': resolve(import.meta.dirname, 'src/index.ts') } },
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
        experiments: resolve(import.meta.dirname, 'demo/experiments.html'),
      },
    },
  },
});
