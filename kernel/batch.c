// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: the per-CPU batch (design.md, "Datapath").
 *
 * With a switch's batch > 1, the rx_handler of a VM port does not switch
 * the frame: it queues it on its CPU's queue of the switch and schedules
 * that queue's NAPI context (when the queue was empty: else it is
 * scheduled already), which then switches up to `batch` frames at a
 * time: one RCU section, the next frame's header prefetched while this
 * one is looked up, the ingress counters added once per run of frames
 * from one port, and a frame with the same ingress and addresses as the
 * one before it goes where that one went (input.c's per-CPU struct
 * kvs_flow, as with batch 1) without a look-up. Frames for veth peers
 * take the nested shortcut as they do with batch 1: handing them over
 * as one list (netif_receive_skb_list()) cost 78 instructions a frame
 * more in exact mode.
 *
 * A queue holds at most net.core.netdev_max_backlog frames, as the
 * stack's own backlog does: a port that sends faster than its CPU can
 * switch loses the excess, counted as its `backlog` drops, instead of
 * growing the queue without bound. The per-CPU contexts exist only once
 * batching was turned on (batch > 1 at creation or by `switch set`).
 *
 * Lifetime: a queued frame names its ingress port in skb->cb and holds no
 * reference. kvs_batch_drain() runs when a port is detached, after its
 * rx_handler is gone: it frees the port's queued frames on every CPU and
 * waits for a pass that took some of them before, so that nothing of the
 * port is switched after its fdb entries are flushed. The switch stops
 * its NAPI contexts when torn down, after its ports are detached.
 */

#include <linux/netdevice.h>
#include <linux/prefetch.h>
#include <linux/skbuff.h>

#include "kvs.h"
#include "compat.h"

struct kvs_batch {
	struct sk_buff_head queue;	/* its lock: drains from other CPUs */
	struct napi_struct napi;
	struct kvs_switch *sw;
};

struct kvs_batch_cb {
	struct kvs_port *port;		/* the ingress */
};

static struct kvs_port **kvs_batch_port(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct kvs_batch_cb) > sizeof(skb->cb));
	return &((struct kvs_batch_cb *)skb->cb)->port;
}

/* Ingress counters of a run of frames from one port: one update */
struct kvs_rx_run {
	struct kvs_port *port;
	unsigned int packets;
	unsigned int bytes;
};

static void kvs_rx_run_flush(struct kvs_rx_run *run)
{
	struct pcpu_sw_netstats *tstats;

	if (!run->packets)
		return;
	kvs_stats_rx_add(run->port, run->packets, run->bytes);
	/* the switch device's totals, as dev_sw_netstats_rx_add() for n */
	tstats = this_cpu_ptr(run->port->sw->dev->tstats);
	u64_stats_update_begin(&tstats->syncp);
	u64_stats_add(&tstats->rx_packets, run->packets);
	u64_stats_add(&tstats->rx_bytes, run->bytes);
	u64_stats_update_end(&tstats->syncp);
	run->packets = 0;
	run->bytes = 0;
}

/* Switch up to @n queued frames; returns how many were taken */
static int kvs_batch_pass(struct kvs_batch *b, int n)
{
	struct kvs_rx_run run = {};
	struct sk_buff_head frames;
	struct sk_buff *skb;
	int taken = 0;

	__skb_queue_head_init(&frames);
	spin_lock(&b->queue.lock);
	if (skb_queue_len(&b->queue) <= n) {
		taken = skb_queue_len(&b->queue);
		skb_queue_splice_init(&b->queue, &frames);
	} else {
		while (taken < n) {
			__skb_queue_tail(&frames, __skb_dequeue(&b->queue));
			taken++;
		}
	}
	spin_unlock(&b->queue.lock);

	rcu_read_lock();
	while ((skb = __skb_dequeue(&frames))) {
		struct kvs_port *port = *kvs_batch_port(skb);

		if (!skb_queue_empty(&frames))
			prefetch(eth_hdr(skb_peek(&frames)));

		if (run.port != port) {
			kvs_rx_run_flush(&run);
			run.port = port;
		}
		run.packets++;
		run.bytes += skb->len + ETH_HLEN;

		kvs_port_input(port, skb, &kvs_pass_now);
	}
	kvs_rx_run_flush(&run);
	rcu_read_unlock();
	return taken;
}

static int kvs_batch_poll(struct napi_struct *napi, int budget)
{
	struct kvs_batch *b = container_of(napi, struct kvs_batch, napi);
	int batch = READ_ONCE(b->sw->batch);
	int done = 0, want, n;

	while (done < budget) {
		want = min(batch, budget - done);
		n = kvs_batch_pass(b, want);
		done += n;
		if (n < want)
			break;	/* the queue is empty */
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/*
 * The rx_handler: queue @skb of @port on this CPU's queue, or drop it
 * (counted: the port's rx and a `backlog` drop) if the queue is full.
 * False: batching is not set up yet, the caller switches @skb itself.
 * Softirq.
 */
bool kvs_batch_add(struct kvs_port *port, struct sk_buff *skb)
{
	/* pairs with the release in kvs_batch_enable(): set up before seen */
	struct kvs_batch __percpu *batches = smp_load_acquire(&port->sw->batches);
	unsigned int len = skb->len + ETH_HLEN;
	struct kvs_batch *b;
	unsigned int queued;
	bool full;

	if (unlikely(!batches))
		return false;
	b = this_cpu_ptr(batches);
	*kvs_batch_port(skb) = port;
	spin_lock(&b->queue.lock);
	queued = skb_queue_len(&b->queue);
	full = queued >= kvs_max_backlog();
	if (likely(!full))
		__skb_queue_tail(&b->queue, skb);
	spin_unlock(&b->queue.lock);
	if (unlikely(full)) {
		kvs_stats_rx(port, len);
		dev_sw_netstats_rx_add(port->sw->dev, len);
		kvs_forward_drop(port, skb, KVS_DROP_BACKLOG);
		return true;
	}
	/*
	 * An empty queue may have no poll to come; one with frames has (a
	 * poll that found it empty completed, under the lock, before them).
	 */
	if (!queued)
		napi_schedule(&b->napi);
	return true;
}

/* RTNL, after @port's rx_handler is unregistered: forget its frames */
void kvs_batch_drain(struct kvs_port *port)
{
	struct kvs_switch *sw = port->sw;
	struct sk_buff *skb, *tmp;
	struct kvs_batch *b;
	unsigned int freed;
	int cpu;

	ASSERT_RTNL();
	if (!sw->batches)
		return;	/* never a frame queued */

	for_each_possible_cpu(cpu) {
		b = per_cpu_ptr(sw->batches, cpu);
		freed = 0;
		spin_lock_bh(&b->queue.lock);
		skb_queue_walk_safe(&b->queue, skb, tmp) {
			if (*kvs_batch_port(skb) != port)
				continue;
			__skb_unlink(skb, &b->queue);
			kfree_skb(skb);
			freed++;
		}
		spin_unlock_bh(&b->queue.lock);
		/* they never reached the switch: the port's own rx */
		while (freed--)
			dev_core_stats_rx_dropped_inc(sw->dev);
	}
	/* a pass that took the port's frames before the drain is over */
	synchronize_net();
}

/*
 * RTNL: the per-CPU queues and their NAPI contexts, made the first time
 * batching is wanted and kept until the switch goes (a queue may still
 * hold frames when batching is turned off again).
 */
static int kvs_batch_enable(struct kvs_switch *sw)
{
	struct kvs_batch __percpu *batches;
	struct kvs_batch *b;
	int cpu;

	if (sw->batches)
		return 0;
	batches = alloc_percpu_gfp(struct kvs_batch, GFP_KERNEL_ACCOUNT);
	if (!batches)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		b = per_cpu_ptr(batches, cpu);
		skb_queue_head_init(&b->queue);
		b->sw = sw;
		netif_napi_add_weight(sw->dev, &b->napi, kvs_batch_poll,
				      KVS_BATCH_MAX);
		napi_enable(&b->napi);
	}
	/* pairs with kvs_batch_add(): it sees the queues set up */
	smp_store_release(&sw->batches, batches);
	return 0;
}

/* RTNL: how many frames a pass takes; the queues drain either way */
int kvs_switch_set_batch(struct kvs_switch *sw, u32 batch,
			 struct netlink_ext_ack *extack)
{
	int err;

	ASSERT_RTNL();
	batch = clamp_t(u32, batch, 1, KVS_BATCH_MAX);
	if (batch > 1) {
		err = kvs_batch_enable(sw);
		if (err) {
			NL_SET_ERR_MSG(extack, "no memory for the batch queues");
			return err;
		}
	}
	WRITE_ONCE(sw->batch, batch);
	kvs_switch_changed(sw);
	return 0;
}

/*
 * The ports detached (or the device never registered): idempotent. One
 * napi_disable() per CPU, each waiting only for a poll in progress; no
 * grace period per CPU.
 */
void kvs_batch_stop(struct kvs_switch *sw)
{
	struct kvs_batch *b;
	int cpu;

	if (!sw->batches)
		return;
	for_each_possible_cpu(cpu) {
		b = per_cpu_ptr(sw->batches, cpu);
		napi_disable(&b->napi);
		netif_napi_del(&b->napi);
		skb_queue_purge(&b->queue);
	}
	free_percpu(sw->batches);
	sw->batches = NULL;
}
