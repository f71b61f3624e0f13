// Module BundledFilters: placeholder until its first real file lands.
