// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: kernel-level virtual switch. Module init and exit only: each
 * subsystem is set up in order and torn down in reverse.
 */

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "kvs.h"

unsigned int kvs_pernet_id __read_mostly;

static int __net_init kvs_net_init(struct net *net)
{
	struct kvs_pernet *pn = net_generic(net, kvs_pernet_id);

	INIT_LIST_HEAD(&pn->switches);
	return 0;
}

/*
 * A subsys exit runs after every device exit of a dying netns, so its
 * switches are already gone through kvs_dellink(); at module unload
 * rtnl_link_unregister() has removed them all.
 */
static void __net_exit kvs_net_exit(struct net *net)
{
	struct kvs_pernet *pn = net_generic(net, kvs_pernet_id);

	WARN_ON_ONCE(!list_empty(&pn->switches));
}

static struct pernet_operations kvs_net_ops = {
	.init	= kvs_net_init,
	.exit	= kvs_net_exit,
	.id	= &kvs_pernet_id,
	.size	= sizeof(struct kvs_pernet),
};

static int __init kvs_init(void)
{
	int err;

	err = kvs_fdb_init();
	if (err)
		return err;

	err = register_pernet_subsys(&kvs_net_ops);
	if (err)
		goto err_pernet;

	err = kvs_port_init();
	if (err)
		goto err_port;

	err = kvs_switch_init();
	if (err)
		goto err_switch;

	err = kvs_genl_init();
	if (err)
		goto err_genl;

	pr_info("version " KVS_VERSION " loaded\n");
	return 0;

err_genl:
	kvs_switch_exit();
err_switch:
	kvs_port_exit();
err_port:
	unregister_pernet_subsys(&kvs_net_ops);
err_pernet:
	rcu_barrier();
	kvs_fdb_exit();
	return err;
}

static void __exit kvs_exit(void)
{
	/* no new requests, then every switch in every netns goes */
	kvs_genl_exit();
	kvs_switch_exit();
	kvs_port_exit();
	unregister_pernet_subsys(&kvs_net_ops);
	/* port and fdb entry frees are RCU callbacks in this module */
	rcu_barrier();
	kvs_fdb_exit();
}

module_init(kvs_init);
module_exit(kvs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-level virtual switch");
MODULE_VERSION(KVS_VERSION);
MODULE_ALIAS_RTNL_LINK("kvs");
MODULE_ALIAS_GENL_FAMILY(KVS_GENL_NAME);
