import type { SFNClient } from '@aws-sdk/client-sfn';
import { startExecutionOnce } from '../pipeline/start-execution';
import type { WebhookEventType } from './events';

/**
 * What one delivery execution is given: whom to send which event, ids only. The body (the video, prompt included) is
 * read at each attempt from its event item (./event-bodies.ts), which an erasure deletes; an execution's input stays
 * in Step Functions for 90 days.
 */
export interface DeliveryInput {
  endpointId: string;
  userId: string;
  eventId: string;
  eventType: WebhookEventType;
  videoId: string;
  eventCreatedAt: number;
}

/** Starts the delivery workflow of one event to one endpoint. */
export interface DeliveryStarter {
  /** Starts it once: a second start of the same event and endpoint is not a second delivery. */
  start(input: DeliveryInput): Promise<void>;
}

/** The execution name of a delivery: its endpoint and event (at most 80 characters: 29 + 1 + 36). */
export function deliveryExecutionName(input: Pick<DeliveryInput, 'endpointId' | 'eventId'>): string {
  return `${input.endpointId}-${input.eventId}`;
}

/** Step Functions: one execution per endpoint and event, named after both. */
export class StepFunctionsDeliveryStarter implements DeliveryStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: DeliveryInput): Promise<void> {
    // The name exists when a previous dispatcher run started this delivery before it could remove the outbox item.
    await startExecutionOnce(this.client, {
      stateMachineArn: this.stateMachineArn,
      name: deliveryExecutionName(input),
      input: JSON.stringify(input),
    });
  }
}
