"""What tests share that is not a fixture: local servers, fault injectors, the security world, paths."""
