// One line of the trainer's input (src/training/trainer/train.py): the prompt and answer token
// ids, a loss mask that is 1 on the answer and its closing token only, the label and the weight.
import { z } from "zod";

export const tokenizedExampleSchema = z.object({
  input_ids: z.array(z.number().int().min(0)).min(1),
  loss_mask: z.array(z.union([z.literal(0), z.literal(1)])),
  label: z.boolean(),
  weight: z.number().min(0),
});

export type TokenizedExample = z.infer<typeof tokenizedExampleSchema>;
