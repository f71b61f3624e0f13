// Module ExampleFilters: placeholder until its first real file lands.
