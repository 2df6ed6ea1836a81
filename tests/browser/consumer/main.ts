// The whole consumer app: what a user writes after `npm install mask-llava-web`. Built by
// tests/browser/consumer.spec.ts in a fresh directory, never inside this repository.
import { MaskLlava, type TokenPlan } from 'mask-llava-web';

const out = document.getElementById('out')!;

async function scene(): Promise<Blob> {
  const canvas = new OffscreenCanvas(96, 96);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, 96, 96);
  ctx.fillStyle = '#e11d48';
  ctx.beginPath();
  ctx.arc(30, 30, 16, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#2563eb';
  ctx.fillRect(52, 50, 30, 30);
  return canvas.convertToBlob({ type: 'image/png' });
}

async function main(): Promise<void> {
  const device = new URLSearchParams(location.search).get('device') === 'webgpu' ? 'webgpu' : 'wasm';
  const vlm = await MaskLlava.load(new URL('./models/tiny/manifest.json', location.href).href, { device });
  const image = await vlm.encode(await scene());
  const plan: TokenPlan = image.plan({ budget: 15 });
  const answer = vlm.generate(image, 'How many circles are there?', { plan, maxNewTokens: 8 });
  let text = '';
  for await (const delta of answer) text += delta;
  const { generatedTokens, prefillTokens } = await answer.usage;
  out.textContent = JSON.stringify({ device: vlm.device, isolated: self.crossOriginIsolated, tokens: plan.total, prefillTokens, generatedTokens, text });
  image.release();
  vlm.dispose();
}

main().catch((err: unknown) => {
  out.textContent = JSON.stringify({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
});
