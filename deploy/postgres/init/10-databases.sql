-- One database per subgraph: each owns its data and runs its own migrations in it
-- (`micromall migrate NAME`). Run once by the postgres image, on an empty data volume.
-- Keep the list in the port table's order (architecture.md); tests/deployment.rs checks it
-- against the subgraphs the binary knows.
CREATE DATABASE accounts;
CREATE DATABASE catalog;
CREATE DATABASE search;
CREATE DATABASE inventory;
CREATE DATABASE cart;
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE shipping;
CREATE DATABASE reviews;
CREATE DATABASE marketing;
CREATE DATABASE insights;
