/**
 * The worker's {@link EncodeRequest} from the arguments of `encode()`: options checked and the
 * image decoded to RGBA on the main thread, its buffer ready to be transferred.
 */
import type { EncodeOptions } from './client-options.ts';
import { InvalidArgumentError } from './errors.ts';
import { type DecodeOptions, type ImageInput, type RGBAImage, decodeImage } from './image/decode.ts';
import type { EncodeRequest } from './worker/protocol.ts';

/** The request to encode `image` as image `imageId`. */
export async function encodeRequest(imageId: number, image: ImageInput, options: EncodeOptions): Promise<EncodeRequest> {
  if (options.segment === false && options.boxes) {
    throw new InvalidArgumentError('boxes need the segmenter; pass segment: true (the default) or leave boxes out');
  }
  const decodeOpts: DecodeOptions = { maxSide: options.maxSide ?? 2048 };
  if (options.signal) decodeOpts.signal = options.signal;
  const rgba = await decodeImage(image, decodeOpts);
  // Pixels the caller passed in (ImageData, RGBA) come back as is: copy them, since they are transferred.
  const data = rgba.data === (image as Partial<RGBAImage>).data ? rgba.data.slice() : rgba.data;
  return { imageId, image: { width: rgba.width, height: rgba.height, data }, boxes: options.boxes, amg: options.amg, segment: options.segment ?? true };
}
