/**
 * The device graph and the recognised workflows, built once per state of the store. Each analysis
 * adds a capture row, so the capture count and the latest device sighting say when to rebuild.
 */
import { DeviceGraph } from '../graph/device-graph.js';
import { LateralMovement } from '../graph/lateral-movement.js';
import { recogniseWorkflows, type WorkflowInstance } from '../graph/workflows.js';
import type { InventoryStore } from '../store/inventory-store.js';

export interface GraphState {
  graph: DeviceGraph;
  workflows: WorkflowInstance[];
}

export class GraphCache {
  private version = '';
  private state: Promise<GraphState> | null = null;
  private readonly lateral = LateralMovement.load();

  constructor(private readonly store: InventoryStore) {}

  async get(): Promise<GraphState> {
    const v = await this.store.db
      .selectFrom('devices')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('last_seen').as('last')])
      .executeTakeFirstOrThrow();
    const captures = await this.store.db.selectFrom('captures').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const version = `${v.n}/${v.last}/${captures.n}`;
    if (version !== this.version || !this.state) {
      this.version = version;
      this.state = (async () => ({ graph: await DeviceGraph.load(this.store, this.lateral), workflows: await recogniseWorkflows(this.store) }))();
      // A failed build is not cached: the next request tries again.
      this.state.catch(() => {
        if (this.version === version) this.state = null;
      });
    }
    return this.state;
  }
}
