"""The replication status of a MySQL or MariaDB replica, read offline from rows as each server writes them:
MySQL 8.0.22+ names SHOW REPLICA STATUS's fields after the source and the replica, MySQL before it (SHOW SLAVE
STATUS) and MariaDB after the master and the slave. The machine runs MariaDB without replication, so these rows
are the documented fields, not a live replica's."""

from dkmigrate.adapters.mysql import replica_facts


def test_mysql_8_replica_fields():
    replica = replica_facts({"Source_Host": "db-primary", "Seconds_Behind_Source": 12,
                             "Replica_IO_Running": "Yes", "Replica_SQL_Running": "Yes"})
    assert (replica.name, replica.state, replica.lag_seconds) == ("db-primary", "replicating", 12.0)


def test_mariadb_and_older_mysql_slave_fields():
    replica = replica_facts({"Master_Host": "10.0.0.5", "Seconds_Behind_Master": 0,
                             "Slave_IO_Running": "Yes", "Slave_SQL_Running": "Yes"})
    assert (replica.name, replica.state, replica.lag_seconds) == ("10.0.0.5", "replicating", 0.0)


def test_a_stopped_replica_has_an_unknown_lag_and_says_which_thread_stopped():
    replica = replica_facts({"Source_Host": "db-primary", "Seconds_Behind_Source": None,
                             "Replica_IO_Running": "Connecting", "Replica_SQL_Running": "No"})
    assert replica.lag_seconds is None
    assert replica.state == "stopped (IO thread: Connecting, SQL thread: No)"
