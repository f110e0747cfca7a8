import { NotFoundError } from '../../shared/errors';

/**
 * `POST /v1/videos/characters` and `GET /v1/videos/characters/{id}`: OpenAI's characters (a person or object
 * recorded once and cast in later videos) have no counterpart in reelflow. Clients of the `openai` SDK get the
 * API's 404 (`NotFoundError` in the SDK) with a message that says so, rather than a bare "no route".
 */
export function videoCharacters(): never {
  throw new NotFoundError(
    'Characters are not supported by reelflow: create videos from a prompt, a reference image, or one of your videos',
  );
}
