module github.com/libbnn/libbnn/bindings/go

go 1.19
