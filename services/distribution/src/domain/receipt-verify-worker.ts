// A receipt verification thread (receipt-verifier.ts): opens the receipts it is sent with their
// machine's key and answers each one's content and hash, or the model's error code.
import { parentPort } from "node:worker_threads";
import { isModelError, openReceipt, type SignedReceipt } from "@licensing/model";

parentPort!.on("message", (job: { id: number; key: Uint8Array; receipts: SignedReceipt[] }) => {
  const results = job.receipts.map((signed) => {
    try {
      const { receipt, hash } = openReceipt(signed, job.key);
      return { receipt, hash };
    } catch (error) {
      if (isModelError(error)) return { code: error.code, message: error.message };
      return { code: "internal", message: String(error) };
    }
  });
  parentPort!.postMessage({ id: job.id, results });
});
