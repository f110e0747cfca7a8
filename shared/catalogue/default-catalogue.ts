import type { Catalogue } from './schema';

/**
 * The catalogue a deployment gets when it sets none (docs/CATALOGUE.md shows it as JSON): OpenAI's Sora 2 models on
 * the `openai` provider kind, at OpenAI's last published prices ($0.10/s for sora-2; $0.30/s for sora-2-pro at 720p
 * sizes, $0.50/s at 1024x1792 and 1792x1024), which are also what that provider charges (it reports no cost).
 * The price version is the one the price table these replace had, so videos priced before and after read alike.
 */
export const DEFAULT_CATALOGUE: Catalogue = {
  price_version: '2025-10-sora-2',
  models: [
    {
      id: 'sora-2',
      created: 1759708800,
      seconds: ['4', '8', '12'],
      sizes: ['720x1280', '1280x720'],
      default_seconds: '4',
      default_size: '720x1280',
      capabilities: { image_input: true, remix: true, edit: true, extend: true },
      price: { currency: 'USD', micros_per_second: { '720x1280': 100_000, '1280x720': 100_000 } },
      route: [
        {
          provider: 'openai',
          model: 'sora-2',
          cost: { currency: 'USD', micros_per_second: { '720x1280': 100_000, '1280x720': 100_000 } },
        },
      ],
    },
    {
      id: 'sora-2-pro',
      created: 1759708800,
      seconds: ['4', '8', '12'],
      sizes: ['720x1280', '1280x720', '1024x1792', '1792x1024'],
      default_seconds: '4',
      default_size: '720x1280',
      capabilities: { image_input: true, remix: true, edit: true, extend: true },
      price: {
        currency: 'USD',
        micros_per_second: { '720x1280': 300_000, '1280x720': 300_000, '1024x1792': 500_000, '1792x1024': 500_000 },
      },
      route: [
        {
          provider: 'openai',
          model: 'sora-2-pro',
          cost: {
            currency: 'USD',
            micros_per_second: { '720x1280': 300_000, '1280x720': 300_000, '1024x1792': 500_000, '1792x1024': 500_000 },
          },
        },
      ],
    },
  ],
};
