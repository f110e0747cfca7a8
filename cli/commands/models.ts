import { formatModel, formatModels } from '../format';
import { type CommandContext, print } from './context';

/**
 * `models [id]`: the catalogue (GET /v1/models), what `create` may ask of each model (`--model`, `--seconds`,
 * `--size`) and what a second costs; with an id, that model only.
 */
export async function modelsCommand(id: string | undefined, context: CommandContext): Promise<void> {
  if (id === undefined) print(context, await context.client.listModels(), formatModels);
  else print(context, await context.client.getModel(id), formatModel);
}
