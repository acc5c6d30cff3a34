"""`make bench`: a bulk seeder, a production-like server and a load driver measuring the performance budgets."""
