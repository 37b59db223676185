module mapfault.example/goplugin

go 1.19
