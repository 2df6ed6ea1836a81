import { describe, expect, it } from 'vitest';
import { Channel } from '../../src/channel.ts';

async function drain<T>(channel: Channel<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of channel) out.push(v);
  return out;
}

describe('Channel', () => {
  it('delivers values pushed before and after the consumer starts, in order', async () => {
    const channel = new Channel<number>();
    channel.push(1);
    const done = drain(channel);
    channel.push(2);
    await Promise.resolve();
    channel.push(3);
    setTimeout(() => {
      channel.push(4);
      channel.close();
    }, 5);
    expect(await done).toEqual([1, 2, 3, 4]);
  });

  it('throws the close error after the buffered values', async () => {
    const channel = new Channel<string>();
    channel.push('a');
    channel.push('b');
    channel.close(new RangeError('boom'));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const v of channel) seen.push(v);
      })(),
    ).rejects.toThrow(RangeError);
    expect(seen).toEqual(['a', 'b']);
  });

  it('ignores pushes and closes after the first close', async () => {
    const channel = new Channel<number>();
    channel.push(1);
    channel.close();
    channel.push(2);
    channel.close(new Error('late'));
    expect(await drain(channel)).toEqual([1]);
  });

  it('wakes a consumer that waits on an empty channel when it closes', async () => {
    const channel = new Channel<number>();
    const done = drain(channel);
    await new Promise((r) => setTimeout(r, 5));
    channel.close();
    expect(await done).toEqual([]);
  });
});
