// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: per-port counters, per CPU. Writers run in softirq on their own
 * CPU's copy; readers sum all copies, each read consistently (on 32-bit
 * the u64_stats seqcount makes a reader retry a torn value).
 */

#include <linux/netdevice.h>
#include <linux/percpu.h>

#include "kvs.h"

struct kvs_pcpu_stats __percpu *kvs_stats_alloc(void)
{
	struct kvs_pcpu_stats __percpu *stats;
	int cpu;

	/* zeroed; charged to the memory cgroup of who attaches the port */
	stats = alloc_percpu_gfp(struct kvs_pcpu_stats, GFP_KERNEL_ACCOUNT);
	if (stats)
		for_each_possible_cpu(cpu)
			u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void kvs_stats_free(struct kvs_pcpu_stats __percpu *stats)
{
	free_percpu(stats);
}

void kvs_stats_rx(struct kvs_port *port, unsigned int len)
{
	kvs_stats_rx_add(port, 1, len);
}

/* A batch's run of @packets frames from @port: one update */
void kvs_stats_rx_add(struct kvs_port *port, unsigned int packets,
		      unsigned int bytes)
{
	struct kvs_pcpu_stats *s = this_cpu_ptr(port->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->rx_packets, packets);
	u64_stats_add(&s->rx_bytes, bytes);
	u64_stats_update_end(&s->syncp);
}

void kvs_stats_tx(struct kvs_port *port, unsigned int len)
{
	struct kvs_pcpu_stats *s = this_cpu_ptr(port->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->tx_packets);
	u64_stats_add(&s->tx_bytes, len);
	u64_stats_update_end(&s->syncp);
}

void kvs_stats_drop(struct kvs_port *port, enum kvs_drop_reason reason)
{
	struct kvs_pcpu_stats *s = this_cpu_ptr(port->stats);

	if (WARN_ON_ONCE(reason >= __KVS_DROP_MAX))
		return;

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[reason]);
	u64_stats_update_end(&s->syncp);
}

void kvs_stats_read(const struct kvs_port *port, struct kvs_stats *sum)
{
	struct kvs_stats one;
	unsigned int start;
	int cpu, i;

	memset(sum, 0, sizeof(*sum));

	for_each_possible_cpu(cpu) {
		const struct kvs_pcpu_stats *s = per_cpu_ptr(port->stats, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			one.rx_packets = u64_stats_read(&s->rx_packets);
			one.rx_bytes = u64_stats_read(&s->rx_bytes);
			one.tx_packets = u64_stats_read(&s->tx_packets);
			one.tx_bytes = u64_stats_read(&s->tx_bytes);
			for (i = 0; i < __KVS_DROP_MAX; i++)
				one.drops[i] = u64_stats_read(&s->drops[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		sum->rx_packets += one.rx_packets;
		sum->rx_bytes += one.rx_bytes;
		sum->tx_packets += one.tx_packets;
		sum->tx_bytes += one.tx_bytes;
		for (i = 0; i < __KVS_DROP_MAX; i++)
			sum->drops[i] += one.drops[i];
	}
}
