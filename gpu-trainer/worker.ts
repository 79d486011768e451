/**
 * Worker process entry: one data-parallel replica. Messages arrive over the IPC channel with
 * serialization 'advanced', so Float32Arrays travel as binary structured clones, not JSON.
 * On a GPU instance the parent sets CUDA_VISIBLE_DEVICES so each worker sees one GPU.
 */
import { initBackend, type BackendName } from './backend.js';
import { Replica } from './replica.js';
import type { WorkerRequest, WorkerReply } from './protocol.js';

let replica: Replica | undefined;

function send(reply: WorkerReply): void {
  process.send!(reply);
}

process.on('disconnect', () => process.exit(0));
process.on('message', async (raw) => {
  const msg = raw as WorkerRequest;
  try {
    if (msg.apply) replica!.apply(msg.apply);
    switch (msg.op) {
      case 'init': {
        const tf = await initBackend(msg.backend as BackendName);
        replica = new Replica(tf);
        send({ id: msg.id, op: 'ok' });
        break;
      }
      case 'setData':
        replica!.setData(msg.data);
        send({ id: msg.id, op: 'ok' });
        break;
      case 'setModel':
        replica!.setModel(msg.model);
        send({ id: msg.id, op: 'ok' });
        break;
      case 'grad':
        send({ id: msg.id, op: 'grad', result: replica!.grad(msg.indices) });
        break;
      case 'apply':
        replica!.apply(msg.grad); // no reply: IPC keeps order, the next request sees the update
        break;
      case 'state':
        send({ id: msg.id, op: 'state', state: replica!.state() });
        break;
      case 'predict':
        send({ id: msg.id, op: 'predict', values: replica!.predict(msg.indices) });
        break;
    }
  } catch (err) {
    send({ id: msg.id, op: 'error', message: (err as Error).stack ?? String(err) });
  }
});
